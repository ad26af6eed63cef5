FROM node:20
ARG NODE_ENV=production
ENV PASSWORD_FILE=/run/secrets/db_password PORT=8080
RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci
