# Konnect-in-a-box as a container: the statically linked `docflow` binary and nothing else.
# Built by `cargo run -- image build`, which builds the binary and runs `docker build` on a
# context holding only the binary, this file and the host's CA bundle. Never pulled.
FROM scratch
# The mock's HTTP client loads the system's root certificates when it starts.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY docflow /docflow
# No /etc/passwd in scratch: a numeric unprivileged user.
USER 65534:65534
EXPOSE 8080 8000
ENTRYPOINT ["/docflow","mock","serve","--host","0.0.0.0"]
