FROM debian:12
RUN apt-get install -y --no-install-recommends git && echo "no sudo here" > /etc/motd
