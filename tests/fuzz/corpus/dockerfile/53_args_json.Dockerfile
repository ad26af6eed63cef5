ARG A=1
ARG B
FROM img:${A:-2}${B:+x}$ AS s
FROM s
RUN ["sh", "-c", "echo \u00e9 \"q\""]
CMD [
