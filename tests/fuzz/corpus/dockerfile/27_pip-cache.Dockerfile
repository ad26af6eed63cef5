FROM python:3.12
RUN pip install --no-cache-dir flask
RUN python3 -m pip install --no-cache-dir gunicorn
