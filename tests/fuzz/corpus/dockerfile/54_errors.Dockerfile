RUN x
FROM
FROM a b c d
BOGUS
\
