FROM debian:12
CMD ["echo", "one"]
CMD ["echo", "two"]
