FROM debian:12 AS build
CMD ["make"]
FROM debian:12
ENTRYPOINT ["/app"]
CMD ["--help"]
