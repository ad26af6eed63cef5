FROM alpine:3.19
RUN apk add curl
