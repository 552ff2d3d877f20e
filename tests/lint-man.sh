#!/bin/sh
# Lints every man page with mandoc (warnings are errors) and checks that
# each command's page exists.
set -eu
cd "$(dirname "$0")/.."
status=0
for f in man/*.[15]; do
	if ! mandoc -Tlint -Wwarning "$f"; then
		status=1
	fi
done
for p in certctl.1 certctl-init.1 certctl-cert.1 certctl-acme.1 \
	certctl-renew.1 certctl-sectigo.1 certctl.conf.5; do
	[ -f "man/$p" ] || { echo "missing man/$p"; status=1; }
done
exit $status
