FROM a
RUN <<-"EOT" bash
	echo hi
	EOT
COPY <<EOF /x
data
EOF
