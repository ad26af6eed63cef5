FROM debian:12
MAINTAINER Dana <dana@example.com>
