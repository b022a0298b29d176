# shellcheck shell=bash
# Headless Chromium from Debian, the browser the console's e2e test drives
# (chromedp). Not a server: "up" installs it, failing loudly if it cannot.

chromium_bin() { command -v chromium || command -v chromium-browser || true; }

chromium_up() {
	[ -n "$(chromium_bin)" ] || apt_install chromium || fail chromium "apt-get install chromium failed"
	[ -n "$(chromium_bin)" ] || fail chromium "chromium is not on PATH after apt-get install chromium"
	echo "chromium: $("$(chromium_bin)" --version 2>/dev/null | head -n 1)"
}

chromium_down() { echo "chromium: nothing to stop"; }

chromium_status() {
	if [ -n "$(chromium_bin)" ]; then
		echo "chromium: installed at $(chromium_bin)"
	else
		echo "chromium: not installed"; return 1
	fi
}
