FROM debian:12
ADD app.py /app/app.py
ADD https://example.com/tool.tgz /opt/
