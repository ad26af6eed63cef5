FROM debian:12
RUN apt-get update && apt-get -y dist-upgrade && rm -rf /var/lib/apt/lists/*
