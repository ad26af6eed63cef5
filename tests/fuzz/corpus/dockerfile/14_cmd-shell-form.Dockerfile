FROM python:3.12
CMD python app.py
