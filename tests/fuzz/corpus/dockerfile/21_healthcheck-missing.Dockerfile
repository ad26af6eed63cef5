FROM nginx:1.25 AS base
HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1
FROM base
USER nginx
