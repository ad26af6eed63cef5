# syntax=docker/dockerfile:1
ARG BASE=debian
FROM ${BASE} AS build
RUN apt-get update
RUN apt-get update && apt-get install -y curl \
    # a comment in a continuation
    git && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL https://get.example.com | sudo bash
ENV DB_PASSWORD=Sup3rS3cretPassw0rdValue! APP=x
ARG NPM_TOKEN
ADD app.py /app/
ADD https://example.com/x.tgz /tmp/
COPY . /src
RUN <<EOT
pip install flask
apk add curl
EOT
EXPOSE 22/tcp 80
MAINTAINER me
WORKDIR app
FROM build
CMD python app.py
CMD ["python", "app.py"]
BOGUS thing
