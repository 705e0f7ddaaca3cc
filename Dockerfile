# Konnect-in-a-box as a container: the statically linked `docflow` binary and nothing else.
# Build it with `cargo run -- image build` (builds the binary, then this file in a context that
# holds only the binary); never pulled from a registry.
FROM scratch
COPY docflow /docflow
# No /etc/passwd in scratch: a numeric unprivileged user.
USER 65534:65534
EXPOSE 8080 8000
ENTRYPOINT ["/docflow","mock","serve","--host","0.0.0.0"]
