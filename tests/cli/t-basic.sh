#!/usr/bin/env bash
# Dispatcher, global options, help, configuration discovery and errors.
. "$(dirname "$0")/lib.sh"

ok "version" --version
check "version prints a number" out_has '^certctl [0-9]'
ok "version --json" --json version
check "version json" grep -q '"version"' "$OUT"
ok "--help" --help
check "--help lists commands" out_has 'cert '
fails "no command is a usage error" 2
fails "unknown command" 2 crt list
check "unknown command suggests cert" err_has "did you mean 'cert'"
check "unknown command error is one line" one_line_error
fails "unknown subcommand" 2 cert lst
check "unknown subcommand suggests list" err_has "did you mean 'list'"
fails "unknown option" 2 cert list --bogus
check "unknown option named" err_has "unknown option '--bogus'"
for c in init "cert import" "cert list" "cert show" "cert export" "cert history" "cert delete" help version; do
	# shellcheck disable=SC2086
	ok "$c --help" $c --help
	check "$c --help has usage" out_has "^usage: certctl $c"
done
# every subcommand listed by a command's --help answers --help itself, with
# a usage line, and has its man page
walk() { # $@: command words
	local sub
	"$CERTCTL" "$@" --help 2>/dev/null | sed -n '/^subcommands:/,/^$/p' | awk 'NR>1 && NF {print $1}' |
	while read -r sub; do
		echo "$* $sub"
		if "$CERTCTL" "$@" "$sub" --help 2>/dev/null | grep -q '^subcommands:'; then
			walk "$@" "$sub"
		fi
	done
}
for top in cert acme sectigo; do
	check "certctl help $top finds its man page" bash -c '"$1" help "$2" | grep -q "certctl-$2"' _ "$CERTCTL" "$top"
	while read -r words; do
		# shellcheck disable=SC2086
		cc $words --help
		if [ $RC -eq 0 ] && grep -q "^usage: certctl $words" "$OUT"; then
			pass "$words --help"
		else
			fail "$words --help"
		fi
	done < <(walk $top | grep -v '^$')
done
for c in renew; do
	ok "$c --help" $c --help
	check "$c --help has usage" out_has "^usage: certctl $c"
done

ok "help cert shows the man page" help cert
check "man page content" out_has "certctl-cert"
check "man page describes import" grep -qi "import" "$OUT"
ok "help (certctl)" help
fails "help unknown" 2 help frobnicate

# repository discovery
fails "list without a repository" 1 cert list
check "tells to run init" err_has "certctl init"
ok "init" init
check "repository is 0700" test "$(stat -c %a "$CERTCTL_REPO")" = 700
ok "init is idempotent" init
ok "empty list" cert list
unset CERTCTL_REPO
if [ "$(id -u)" = 0 ]; then
	# root defaults to /var/lib/certctl; look without creating it
	if [ ! -e /var/lib/certctl ]; then
		fails "root default is /var/lib/certctl" 1 cert list
		check "names /var/lib/certctl" err_has "/var/lib/certctl"
	fi
	# other users: $XDG_DATA_HOME/certctl, else ~/.local/share/certctl
	U="$T_DIR/user"; mkdir -p "$U/home"; chmod 755 "$T_DIR"; chown -R nobody "$U"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$U/home" "$@"; }
	check "non-root default under ~/.local/share" as_nobody "$CERTCTL" init
	check "~/.local/share/certctl created" test -f "$U/home/.local/share/certctl/format"
	check "XDG_DATA_HOME respected" as_nobody env XDG_DATA_HOME="$U/xdg" "$CERTCTL" init
	check "XDG repo" test -f "$U/xdg/certctl/format"
else
	ok "default repository under ~/.local/share" init
	check "~/.local/share/certctl created" test -f "$HOME/.local/share/certctl/format"
	XDG_DATA_HOME="$T_DIR/xdg" ok "XDG_DATA_HOME respected" init
	check "XDG repo" test -f "$T_DIR/xdg/certctl/format"
fi
ok "--repo wins" -C "$T_DIR/r2" init
check "--repo used" test -f "$T_DIR/r2/format"
export CERTCTL_REPO="$T_DIR/repo"

# configuration
cat >"$T_DIR/good.conf" <<CONF
repository: $T_DIR/from-config
lock-timeout: 10s
defaults:
  key-type: ec:p384
  keystore: p12
CONF
unset CERTCTL_REPO
ok "config sets the repository" -c "$T_DIR/good.conf" init
check "repository from config" test -f "$T_DIR/from-config/format"
CERTCTL_CONFIG="$T_DIR/good.conf" ok "CERTCTL_CONFIG" cert list
export CERTCTL_REPO="$T_DIR/repo"
printf 'repository: /x\nbogus-key: 1\n' >"$T_DIR/bad.conf"
fails "unknown key is a config error" 2 -c "$T_DIR/bad.conf" cert list
check "error names file and line" err_has "bad.conf:2: unknown key 'bogus-key'"
check "config error is one line" one_line_error
printf 'defaults:\n  key-type: rsa:1024\n' >"$T_DIR/bad2.conf"
fails "bad enum value" 2 -c "$T_DIR/bad2.conf" cert list
check "bad value named" err_has "bad2.conf:2:.*rsa:1024"
printf 'lock-timeout: soon\n' >"$T_DIR/bad3.conf"
fails "bad duration" 2 -c "$T_DIR/bad3.conf" cert list
printf 'a: [\n' >"$T_DIR/bad4.conf"
fails "YAML syntax error" 2 -c "$T_DIR/bad4.conf" cert list
check "syntax error has a line" err_has "bad4.conf:[0-9]"
fails "missing --config file" 2 -c "$T_DIR/nope.conf" cert list
printf 'acme:\n  server: letsencrypt\n' >"$CERTCTL_REPO/certctl.conf"
ok "repo/certctl.conf is read" cert list
printf 'acme:\n  servr: x\n' >"$CERTCTL_REPO/certctl.conf"
fails "repo/certctl.conf is validated" 2 cert list
check "names acme.servr" err_has "unknown key 'acme.servr'"
rm -f "$CERTCTL_REPO/certctl.conf"
ok "example configuration is valid" -c "$(dirname "$0")/../../certctl.conf.example" cert list

finish
