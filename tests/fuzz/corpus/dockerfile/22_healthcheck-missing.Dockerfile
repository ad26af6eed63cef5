FROM nginx:1.25
USER nginx
