FROM rockylinux:9
RUN dnf install -y httpd && dnf clean all && rm -rf /var/cache/dnf
