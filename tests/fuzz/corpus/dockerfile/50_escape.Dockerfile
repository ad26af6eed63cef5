# escape=`
FROM windows AS base
RUN dir `
  c:\
COPY --from=base c:\a c:\b
