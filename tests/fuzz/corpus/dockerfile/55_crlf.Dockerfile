FROM a
RUN echo a \
  # c

  b
