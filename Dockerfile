# Production image: a static Nabij binary on a distroless base, running as a non-root user.
# It expects DATABASE_URL (see compose.yaml); it never starts a database of its own.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/nabij ./server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/nabij /nabij
ENV NABIJ_ADDR=:8080 NABIJ_LOG_FORMAT=json
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/nabij", "healthcheck"]
ENTRYPOINT ["/nabij"]
