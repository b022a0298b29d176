# goconnect as a drop-in for confluentinc/cp-kafka-connect: one static binary
# on distroless, configured from the same CONNECT_* environment.
# Build: docker build -t goconnect .   (not built in CI: no Docker engine there)

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/goconnect ./cmd/goconnect

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/goconnect /goconnect
EXPOSE 8083
# No curl on distroless: the binary GETs /connectors itself and wants 200.
HEALTHCHECK CMD ["/goconnect", "healthcheck"]
# No arguments: configure from the CONNECT_* environment, as the image does.
ENTRYPOINT ["/goconnect", "distributed"]
