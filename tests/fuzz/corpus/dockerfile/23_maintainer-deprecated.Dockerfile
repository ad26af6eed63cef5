FROM debian:12
LABEL org.opencontainers.image.authors="Dana <dana@example.com>"
