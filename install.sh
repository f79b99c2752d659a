#!/bin/sh
# goaccel installer: installs goaccel for the current user. No sudo, no shell rc edits.
#
#   sh install.sh                     # in a checkout: installs that checkout
#   curl -fsSL <raw URL>/install.sh | sh
#   curl -fsSL <raw URL>/install.sh | sh -s -- --version 0.2.0 --index-url https://mirror/simple
#   sh install.sh --from PATH         # a checkout or a wheel elsewhere: offline installs
#   sh install.sh --uninstall
#
# Where goaccel comes from: --from PATH when given; else, when this script lies in a goaccel
# checkout (its directory holds goaccel's pyproject.toml) and neither --version nor --index
# asks for the package index, that checkout; else the package index. Piped into sh, the
# script has no directory, so it always uses the index (or --from).
#
# By default (--method auto) it uses `uv tool` when uv is on PATH, else pipx, else its own
# virtual environment in ${XDG_DATA_HOME:-~/.local/share}/goaccel/venv, linked into ~/.local/bin.
# Re-running upgrades; a failed upgrade leaves the previous install as it was.
#
# All the logic is in functions and `main "$@"` is the last line: a truncated download
# defines some functions and runs nothing.

# shellcheck disable=SC2088 # "~/.bashrc" in messages is meant literally, for people to read

set -eu

MIN_MAJOR=3
MIN_MINOR=9

usage() {
    cat <<'EOF'
install.sh: install goaccel for the current user (no sudo needed)

usage: sh install.sh [options]
       curl -fsSL <URL>/install.sh | sh -s -- [options]

options (each has an environment twin):
  --version VERSION   goaccel version to install from the package index    GOACCEL_VERSION
                      (default: the newest)
  --index             install from the package index even when this script  GOACCEL_INDEX=1
                      is in a checkout
  --index-url URL     package index to install from, e.g. a PyPI mirror     GOACCEL_INDEX_URL
                      (also for the dependencies of a checkout or a wheel;
                      default: $PIP_INDEX_URL, else pip's/uv's own setting)
  --from PATH         install from a checkout or a wheel instead of an index GOACCEL_SOURCE
                      (default: the checkout this script is in, if it is)
  --method METHOD     auto (default), uv, pipx or venv                       GOACCEL_INSTALL_METHOD
                      auto: uv tool if uv is on PATH, else pipx, else venv;
                      a goaccel installed here before keeps its method
  --bin-dir DIR       where the goaccel command goes                        GOACCEL_BIN_DIR
                      (default: $XDG_BIN_HOME, else ~/.local/bin)
  --python PATH       Python for the venv method (3.9 or newer)              GOACCEL_PYTHON
  -y, --yes           do not ask: replace a goaccel command this installer   GOACCEL_YES=1
                      did not make; uninstall even with setups not undone
  -q, --quiet         only warnings and errors                              GOACCEL_QUIET=1
  --uninstall         remove what this installer installed
  -h, --help          show this help

The venv method keeps everything in ${XDG_DATA_HOME:-~/.local/share}/goaccel (venv is a
link to the current virtual environment) and links the command into the bin dir.
Nothing is piped to a shell and no file outside those two places is written, except
$GITHUB_PATH in GitHub Actions. Exit status: 0 success, 1 failure.
EOF
}

# ---------------------------------------------------------------------------- output

info() {
    if [ "$opt_quiet" != 1 ]; then
        printf '%s\n' "$*" >&2
    fi
}

warn() {
    printf 'install.sh: warning: %s\n' "$*" >&2
}

die() {
    g_died=1
    printf 'install.sh: error: %s\n' "$*" >&2
    exit 1
}

# Show the end of the log (pip's or uv's messages), then the one error line.
die_with_log() {
    if [ -s "$g_log" ]; then
        printf '%s\n' "--- last lines of $g_log:" >&2
        tail -n 15 "$g_log" | sed 's/^/    /' >&2
        printf '%s\n' "---" >&2
    fi
    die "$1 (full log: $g_log)"
}

# ---------------------------------------------------------------------------- helpers

on_exit() {
    g_status=$?
    if [ -n "$g_cleanup" ]; then
        rm -rf "$g_cleanup"
    fi
    if [ -n "$g_tmp_link" ]; then
        rm -f "$g_tmp_link"
    fi
    if [ "$g_status" -ne 0 ] && [ "$g_status" -ne 130 ] && [ "$g_died" = 0 ]; then
        printf 'install.sh: error: unexpected failure (exit status %s); nothing was switched\n' \
            "$g_status" >&2
    fi
    if [ "$g_status" -ne 0 ] && [ "$g_status" -ne 130 ]; then
        exit 1
    fi
}

# ~/.local/bin rather than /home/me/.local/bin in messages.
tildify() {
    case $1 in
        "$HOME") printf '~\n' ;;
        "$HOME"/*) printf '~/%s\n' "${1#"$HOME"/}" ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# Yes when --yes, or when the user answers y on the terminal; no terminal means no.
confirm() {
    if [ "$opt_yes" = 1 ]; then
        return 0
    fi
    if [ -t 2 ] && (exec </dev/tty) 2>/dev/null; then
        printf '%s [y/N] ' "$1" >&2
        answer=""
        read -r answer </dev/tty || answer=""
        case $answer in
            y | Y | yes | Yes | YES) return 0 ;;
        esac
    fi
    return 1
}

is_true() {
    case ${1:-} in
        1 | true | True | TRUE | yes | Yes | YES | on) return 0 ;;
    esac
    return 1
}

# An absolute path; the file or directory must exist.
absolute_path() {
    if [ -d "$1" ]; then
        (cd "$1" && pwd -P)
    else
        ap_dir=$(dirname "$1")
        ap_base=$(basename "$1")
        ap_dir=$(cd "$ap_dir" && pwd -P) || return 1
        printf '%s/%s\n' "${ap_dir%/}" "$ap_base"
    fi
}

# Rename SRC onto DST with rename(2): atomic, and a link named DST is replaced itself
# (mv would move into the directory it points to; mv -T is GNU only).
replace_path() {
    "$g_python" -c 'import os, sys; os.replace(sys.argv[1], sys.argv[2])' "$1" "$2" </dev/null
}

# ---------------------------------------------------------------------------- arguments

parse_args() {
    opt_version=${GOACCEL_VERSION:-}
    opt_index_url=${GOACCEL_INDEX_URL:-${PIP_INDEX_URL:-}}
    opt_from=${GOACCEL_SOURCE:-}
    opt_method=${GOACCEL_INSTALL_METHOD:-auto}
    opt_bin_dir=${GOACCEL_BIN_DIR:-}
    opt_python=${GOACCEL_PYTHON:-}
    opt_index=0
    opt_yes=0
    opt_quiet=0
    opt_uninstall=0
    g_from_checkout=0
    if is_true "${GOACCEL_INDEX:-}"; then
        opt_index=1
    fi
    if is_true "${GOACCEL_YES:-}"; then
        opt_yes=1
    fi
    if is_true "${GOACCEL_QUIET:-}"; then
        opt_quiet=1
    fi
    while [ $# -gt 0 ]; do
        case $1 in
            -h | --help)
                usage
                exit 0
                ;;
            -y | --yes) opt_yes=1 ;;
            --index) opt_index=1 ;;
            -q | --quiet) opt_quiet=1 ;;
            --uninstall) opt_uninstall=1 ;;
            --version | --index-url | --from | --method | --bin-dir | --python)
                if [ $# -lt 2 ] || [ -z "$2" ]; then
                    die "$1 needs a value (see --help)"
                fi
                set_option "$1" "$2"
                shift
                ;;
            --version=* | --index-url=* | --from=* | --method=* | --bin-dir=* | --python=*)
                set_option "${1%%=*}" "${1#*=}"
                ;;
            *) die "unknown argument: $1 (see --help)" ;;
        esac
        shift
    done
    check_options
}

set_option() {
    case $1 in
        --version) opt_version=$2 ;;
        --index-url) opt_index_url=$2 ;;
        --from) opt_from=$2 ;;
        --method) opt_method=$2 ;;
        --bin-dir) opt_bin_dir=$2 ;;
        --python) opt_python=$2 ;;
    esac
}

check_options() {
    case $opt_method in
        auto | uv | pipx | venv) ;;
        *) die "unknown --method: $opt_method (auto, uv, pipx or venv)" ;;
    esac
    opt_version=${opt_version#v}
    case $opt_version in
        *[!0-9A-Za-z.+!-]*) die "not a version: $opt_version (e.g. --version 0.2.0)" ;;
    esac
    case $opt_index_url in
        '' | http://* | https://* | file://*) ;;
        *) die "not an index URL: $opt_index_url (http://, https:// or file://)" ;;
    esac
    if [ -n "$opt_from" ]; then
        if [ -n "$opt_version" ]; then
            die "--from and --version do not go together: --from installs what PATH holds"
        fi
        if [ "$opt_index" = 1 ]; then
            die "--from and --index do not go together: --from installs what PATH holds"
        fi
        if [ ! -e "$opt_from" ]; then
            die "--from $opt_from: no such file or directory"
        fi
        opt_from=$(absolute_path "$opt_from") || die "--from: cannot resolve $opt_from"
        if [ -d "$opt_from" ]; then
            if [ ! -f "$opt_from/pyproject.toml" ] && [ ! -f "$opt_from/setup.py" ]; then
                die "--from $opt_from is not a Python project (no pyproject.toml or setup.py)"
            fi
        else
            case $opt_from in
                *.whl | *.tar.gz | *.zip) ;;
                *) die "--from $opt_from: expected a directory, a .whl or a source archive" ;;
            esac
        fi
    elif [ "$opt_index" = 0 ] && [ -z "$opt_version" ] && [ "$opt_uninstall" = 0 ]; then
        if cc_dir=$(own_checkout); then
            opt_from=$cc_dir
            g_from_checkout=1
        fi
    fi
}

# The goaccel checkout this script lies in (its directory holds goaccel's pyproject.toml and
# the goaccel package), printed as an absolute path; fails when there is none. Piped into sh,
# $0 is the shell's name, not a file next to a pyproject.toml.
own_checkout() {
    case $0 in
        */*) oc_dir=${0%/*} ;;
        *) oc_dir=. ;;
    esac
    if [ ! -f "$0" ] || [ ! -f "$oc_dir/pyproject.toml" ] || [ ! -f "$oc_dir/goaccel/__init__.py" ]; then
        return 1
    fi
    grep -Eq '^name *= *"goaccel"' "$oc_dir/pyproject.toml" || return 1
    (cd "$oc_dir" && pwd -P)
}

# ---------------------------------------------------------------------------- environment

# Refuse to write root-owned files into someone else's home (plain `sudo` keeps HOME).
check_home() {
    if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then
        die "HOME is not set or not a directory; goaccel installs into the home directory"
    fi
    ch_me=$(id -u)
    # shellcheck disable=SC2012 # ls -n is the portable way to read an owner's uid
    ch_owner=$(ls -nd "$HOME" | { read -r _mode _links uid _rest && printf '%s' "$uid"; })
    if [ "$ch_owner" != "$ch_me" ]; then
        if [ -n "${SUDO_USER:-}" ]; then
            die "running under sudo (from ${SUDO_USER}) with HOME=$HOME, which belongs to uid $ch_owner: the files would not be that user's. goaccel needs no root: run the installer as ${SUDO_USER}, without sudo"
        fi
        die "HOME=$HOME belongs to uid $ch_owner, not to you (uid $ch_me): run the installer as that user, or point HOME at your own directory"
    fi
    if [ "$ch_me" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
        warn "installing for root, not for $SUDO_USER (you used sudo); goaccel needs no root, run the installer without sudo to install it for $SUDO_USER"
    fi
}

set_paths() {
    case ${XDG_DATA_HOME:-} in
        /*) g_data_dir="$XDG_DATA_HOME/goaccel" ;;
        *) g_data_dir="$HOME/.local/share/goaccel" ;;
    esac
    g_venv="$g_data_dir/venv"
    g_record="$g_data_dir/installed-by"
    g_log="$g_data_dir/install.log"
    g_recorded_method=""
    g_recorded_bin=""
    if [ -f "$g_record" ]; then
        g_recorded_method=$(sed -n 's/^method=//p' "$g_record")
        g_recorded_bin=$(sed -n 's/^bin=//p' "$g_record")
    fi
    if [ -n "$opt_bin_dir" ]; then
        case $opt_bin_dir in
            /*) ;;
            *) opt_bin_dir="$(pwd -P)/$opt_bin_dir" ;;
        esac
        g_bin_dir=${opt_bin_dir%/}
        g_bin_dir_given=1
    else
        g_bin_dir_given=0
        case ${XDG_BIN_HOME:-} in
            /*) g_bin_dir=${XDG_BIN_HOME%/} ;;
            *) g_bin_dir="$HOME/.local/bin" ;;
        esac
        if [ -n "$g_recorded_bin" ]; then
            # Where the previous install put it: upgrades and --uninstall find it there.
            g_bin_dir=$g_recorded_bin
            g_bin_dir_given=1
        fi
    fi
}

distro_ids() {
    if [ -r /etc/os-release ]; then
        sed -n 's/^ID=//p; s/^ID_LIKE=//p' /etc/os-release | tr -d '"' | tr '\n' ' '
    fi
}

# The command that installs Python with venv on this system ($1: python3 or python3.X).
python_install_hint() {
    ph_sudo="sudo "
    if [ "$(id -u)" = 0 ]; then
        ph_sudo=""
    fi
    if [ "$(uname -s)" = Darwin ]; then
        printf '%s\n' "brew install python"
        return 0
    fi
    ph_venv_pkg=python3-venv
    case ${1:-} in
        python3.[0-9]*) ph_venv_pkg="${1}-venv" ;;
    esac
    case " $(distro_ids) " in
        *" debian "* | *" ubuntu "*)
            printf '%s\n' "${ph_sudo}apt-get install python3 $ph_venv_pkg"
            ;;
        *" fedora "* | *" rhel "* | *" centos "*)
            printf '%s\n' "${ph_sudo}dnf install python3"
            ;;
        *" alpine "*)
            printf '%s\n' "${ph_sudo}apk add python3 py3-virtualenv"
            ;;
        *" arch "*)
            printf '%s\n' "${ph_sudo}pacman -S python"
            ;;
        *" suse "* | *" opensuse "*)
            printf '%s\n' "${ph_sudo}zypper install python3"
            ;;
        *)
            printf '%s\n' "Python 3.9+ with its venv module from your package manager or python.org"
            ;;
    esac
}

# "3 11" for a working interpreter; also understands a bare `Python 3.6.9` line.
python_version() {
    pv_out=$("$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' </dev/null 2>/dev/null) ||
        pv_out=$("$1" --version </dev/null 2>&1) || return 1
    printf '%s\n' "$pv_out" | sed -n '1s/^[^0-9]*\([0-9][0-9]*\)\.\([0-9][0-9]*\).*$/\1 \2/p' |
        grep . || return 1
}

version_ok() {
    # shellcheck disable=SC2086 # "major minor"
    set -- $1
    [ "$1" -gt "$MIN_MAJOR" ] || { [ "$1" -eq "$MIN_MAJOR" ] && [ "$2" -ge "$MIN_MINOR" ]; }
}

# Take $1 (a name on PATH or a path) as g_python when it is Python >= 3.9 with venv;
# otherwise remember why not, for the message.
try_python() {
    tp_path=$(command -v "$1" 2>/dev/null) || return 1
    tp_ver=$(python_version "$tp_path") || return 1
    if ! version_ok "$tp_ver"; then
        [ -n "$fp_old" ] || fp_old="$(printf '%s' "$tp_ver" | tr ' ' .) ($tp_path)"
        return 1
    fi
    if ! "$tp_path" -c 'import venv, ensurepip' </dev/null >/dev/null 2>&1; then
        [ -n "$fp_novenv" ] || fp_novenv="$1 ($tp_path)"
        return 1
    fi
    g_python=$tp_path
    g_python_version=$(printf '%s' "$tp_ver" | tr ' ' .)
}

# Sets g_python to a Python >= 3.9 that can make virtual environments, or dies saying what
# to install.
find_python() {
    fp_old=""
    fp_novenv=""
    if [ -n "$opt_python" ]; then
        if try_python "$opt_python"; then
            return 0
        fi
    else
        for fp_name in python3 python3.14 python3.13 python3.12 python3.11 python3.10 \
            python3.9 python; do
            if try_python "$fp_name"; then
                return 0
            fi
        done
    fi
    if [ -n "$fp_novenv" ]; then
        die "${fp_novenv} cannot create virtual environments (no venv/ensurepip); install them: $(python_install_hint "${fp_novenv%% *}")"
    fi
    if [ -n "$fp_old" ]; then
        die "goaccel needs Python ${MIN_MAJOR}.${MIN_MINOR} or newer and found only Python $fp_old; install a newer one: $(python_install_hint python3) (or point --python at one)"
    fi
    if [ -n "$opt_python" ]; then
        die "--python $opt_python: not a working Python interpreter"
    fi
    die "python3 not found; goaccel needs Python ${MIN_MAJOR}.${MIN_MINOR} or newer with venv: $(python_install_hint python3)"
}

choose_method() {
    g_method=$opt_method
    if [ "$g_method" = auto ]; then
        if [ -n "$g_recorded_method" ]; then
            g_method=$g_recorded_method
        elif command -v uv >/dev/null 2>&1; then
            g_method=uv
        elif command -v pipx >/dev/null 2>&1; then
            g_method=pipx
        else
            g_method=venv
        fi
    elif [ -n "$g_recorded_method" ] && [ "$g_recorded_method" != "$g_method" ]; then
        die "goaccel was installed here with --method $g_recorded_method; run with --uninstall first to switch to $g_method"
    fi
    case $g_method in
        uv | pipx)
            command -v "$g_method" >/dev/null 2>&1 ||
                die "--method $g_method: $g_method is not on PATH (use --method venv)"
            ;;
    esac
}

# ---------------------------------------------------------------------------- install

# What pip, uv and pipx are asked for.
package_spec() {
    if [ -n "$opt_from" ]; then
        printf '%s\n' "$opt_from"
    elif [ -n "$opt_version" ]; then
        printf 'goaccel==%s\n' "$opt_version"
    else
        printf 'goaccel\n'
    fi
}

spec_description() {
    if [ "$g_from_checkout" = 1 ]; then
        printf 'goaccel from this checkout, %s\n' "$opt_from"
    elif [ -n "$opt_from" ]; then
        printf 'goaccel from %s\n' "$opt_from"
    elif [ -n "$opt_version" ]; then
        printf 'goaccel %s\n' "$opt_version"
    else
        printf 'the newest goaccel\n'
    fi
}

prepare_data_dir() {
    mkdir -p "$g_data_dir" 2>/dev/null || die "cannot create $g_data_dir"
    { true >"$g_log"; } 2>/dev/null || die "cannot write $g_log"
}

# Refuse (unless --yes or confirmed) to replace a goaccel in the bin dir that is not ours.
check_bin_link() {
    cb_link="$g_bin_dir/goaccel"
    if [ -L "$cb_link" ]; then
        cb_target=$(readlink "$cb_link") || cb_target=""
        case $cb_target in
            "$1" | "$g_data_dir"/*) return 0 ;;
        esac
        cb_what="a link to $cb_target"
    elif [ -d "$cb_link" ]; then
        die "$cb_link is a directory; choose another --bin-dir"
    elif [ -e "$cb_link" ]; then
        cb_what="a file"
    else
        return 0
    fi
    confirm "$cb_link exists ($cb_what); replace it?" ||
        die "$cb_link exists ($cb_what) and this installer did not make it; re-run with --yes to replace it, or use another --bin-dir"
}

link_command() {
    lc_target="$g_venv/bin/goaccel"
    lc_link="$g_bin_dir/goaccel"
    mkdir -p "$g_bin_dir" 2>/dev/null || die "cannot create $g_bin_dir"
    if [ -L "$lc_link" ] && [ "$(readlink "$lc_link")" = "$lc_target" ]; then
        return 0
    fi
    g_tmp_link="$g_bin_dir/.goaccel.new.$$"
    rm -f "$g_tmp_link"
    ln -s "$lc_target" "$g_tmp_link" 2>/dev/null || die "cannot create a link in $g_bin_dir"
    replace_path "$g_tmp_link" "$lc_link" || die "cannot replace $lc_link"
    g_tmp_link=""
}

# Remove a goaccel link if it points into our data dir (a link made by this installer).
remove_our_link() {
    if [ -L "$1" ]; then
        case $(readlink "$1") in
            "$g_data_dir"/*) rm -f "$1" || die "cannot remove $1" ;;
            *) warn "left $1 alone: it does not point into $g_data_dir" ;;
        esac
    fi
}

# Old environments: every venv-* but the current one, unless another installer that is
# still running is building it.
remove_old_venvs() {
    rv_current=$(readlink "$g_venv" 2>/dev/null) || rv_current=""
    for rv_dir in "$g_data_dir"/venv-*; do
        [ -d "$rv_dir" ] || continue
        rv_name=${rv_dir##*/}
        [ "$rv_name" != "$rv_current" ] || continue
        rv_pid=${rv_name##*-}
        case $rv_pid in
            '' | *[!0-9]*) ;;
            *)
                if [ "$rv_pid" != "$$" ] && kill -0 "$rv_pid" 2>/dev/null; then
                    continue
                fi
                ;;
        esac
        rm -rf "$rv_dir"
    done
}

# Build a new environment next to the current one, check that goaccel runs in it, then
# switch the venv link to it in one rename. Until then the old install is untouched.
install_venv() {
    find_python
    if [ -e "$g_venv" ] && [ ! -L "$g_venv" ]; then
        die "$g_venv exists and was not made by this installer; move it away (or use --uninstall) and re-run"
    fi
    check_bin_link "$g_venv/bin/goaccel"
    prepare_data_dir
    iv_keep="nothing was installed"
    if [ -L "$g_venv" ]; then
        iv_keep="the previous install is unchanged"
    fi
    iv_name="venv-$(date +%Y%m%d%H%M%S)-$$"
    iv_new="$g_data_dir/$iv_name"
    g_cleanup=$iv_new
    info "Creating a virtual environment with Python $g_python_version ($g_python)"
    "$g_python" -m venv "$iv_new" </dev/null >>"$g_log" 2>&1 ||
        die_with_log "$g_python cannot create a virtual environment; install venv: $(python_install_hint "${g_python##*/}")"
    info "Installing $(spec_description)"
    set -- --disable-pip-version-check --no-input --quiet
    if [ -n "$opt_index_url" ]; then
        set -- "$@" --index-url "$opt_index_url"
    fi
    PIP_USER=0 "$iv_new/bin/python" -m pip install "$@" "$(package_spec)" </dev/null \
        >>"$g_log" 2>&1 ||
        die_with_log "pip could not install $(spec_description); $iv_keep"
    iv_version=$("$iv_new/bin/goaccel" --version </dev/null 2>>"$g_log") || iv_version=""
    case $iv_version in
        "goaccel "*) ;;
        *) die_with_log "the new goaccel does not run (goaccel --version failed); $iv_keep" ;;
    esac
    "$iv_new/bin/goaccel" --help </dev/null >/dev/null 2>>"$g_log" ||
        die_with_log "the new goaccel does not run (goaccel --help failed); $iv_keep"
    g_tmp_link="$g_data_dir/.venv.new.$$"
    rm -f "$g_tmp_link"
    ln -s "$iv_name" "$g_tmp_link" || die "cannot create a link in $g_data_dir"
    replace_path "$g_tmp_link" "$g_venv" || die "cannot switch $g_venv to the new environment"
    g_tmp_link=""
    g_cleanup=""
    link_command
    if [ -n "$g_recorded_bin" ] && [ "$g_recorded_bin" != "$g_bin_dir" ]; then
        remove_our_link "$g_recorded_bin/goaccel"
    fi
    remove_old_venvs
    g_installed_version=${iv_version#goaccel }
    g_command="$g_bin_dir/goaccel"
}

install_uv() {
    prepare_data_dir
    if [ "$g_bin_dir_given" = 1 ]; then
        UV_TOOL_BIN_DIR=$g_bin_dir
        export UV_TOOL_BIN_DIR
    else
        g_bin_dir=$(uv tool dir --bin 2>/dev/null </dev/null) || g_bin_dir="$HOME/.local/bin"
    fi
    set -- tool install --force
    if [ -n "$opt_from" ]; then
        set -- "$@" --reinstall
    else
        set -- "$@" --upgrade
    fi
    if [ -n "$opt_python" ]; then
        set -- "$@" --python "$opt_python"
    fi
    if [ -n "$opt_index_url" ]; then
        set -- "$@" --index-url "$opt_index_url"
    fi
    info "Installing $(spec_description) with uv tool"
    uv "$@" "$(package_spec)" </dev/null >>"$g_log" 2>&1 ||
        die_with_log "uv tool install failed"
    check_tool_install uv
}

install_pipx() {
    prepare_data_dir
    if [ "$g_bin_dir_given" = 1 ]; then
        PIPX_BIN_DIR=$g_bin_dir
        export PIPX_BIN_DIR
    else
        g_bin_dir=$(pipx environment --value PIPX_BIN_DIR 2>/dev/null </dev/null) ||
            g_bin_dir="$HOME/.local/bin"
    fi
    # --force replaces an existing install; pip's --upgrade makes it take the newest.
    set -- install --force --pip-args=--upgrade
    if [ -n "$opt_python" ]; then
        set -- "$@" --python "$opt_python"
    fi
    if [ -n "$opt_index_url" ]; then
        set -- "$@" --index-url "$opt_index_url"
    fi
    info "Installing $(spec_description) with pipx"
    pipx "$@" "$(package_spec)" </dev/null >>"$g_log" 2>&1 || die_with_log "pipx install failed"
    check_tool_install pipx
}

check_tool_install() {
    g_command="$g_bin_dir/goaccel"
    ct_version=$("$g_command" --version </dev/null 2>>"$g_log") || ct_version=""
    case $ct_version in
        "goaccel "*) g_installed_version=${ct_version#goaccel } ;;
        *) die_with_log "$1 installed goaccel, but $g_command --version does not work" ;;
    esac
}

write_record() {
    { printf 'method=%s\nbin=%s\n' "$g_method" "$g_bin_dir" >"$g_record.new"; } 2>/dev/null ||
        die "cannot write $g_record.new"
    mv -f "$g_record.new" "$g_record" || die "cannot write $g_record"
}

# ---------------------------------------------------------------------------- PATH

bin_dir_on_path() {
    case ":${PATH:-}:" in
        *":$g_bin_dir:"* | *":$g_bin_dir/:"*) return 0 ;;
    esac
    return 1
}

path_advice() {
    if bin_dir_on_path; then
        return 0
    fi
    if [ -n "${GITHUB_PATH:-}" ]; then
        if ! grep -Fqx -- "$g_bin_dir" "$GITHUB_PATH" 2>/dev/null; then
            { printf '%s\n' "$g_bin_dir" >>"$GITHUB_PATH"; } 2>/dev/null ||
                die "cannot append to GITHUB_PATH ($GITHUB_PATH)"
        fi
        info "Added $g_bin_dir to GITHUB_PATH: the next steps of this job find goaccel; in this step run $g_bin_dir/goaccel"
        return 0
    fi
    case $g_bin_dir in
        "$HOME"/*) pa_dir="\$HOME/${g_bin_dir#"$HOME"/}" ;;
        *) pa_dir=$g_bin_dir ;;
    esac
    case ${SHELL:-} in
        */fish)
            warn "$g_bin_dir is not on your PATH; add it for good by running this once in fish:"
            printf '    fish_add_path %s\n' "$pa_dir" >&2
            return 0
            ;;
        */zsh | */bash | *)
            case ${SHELL:-} in
                */zsh) pa_rc="~/.zshrc" ;;
                */bash)
                    if [ "$(uname -s)" = Darwin ]; then
                        pa_rc="~/.bash_profile"
                    else
                        pa_rc="~/.bashrc"
                    fi
                    ;;
                *) pa_rc="~/.profile" ;;
            esac
            warn "$g_bin_dir is not on your PATH; add it by putting this line in $pa_rc:"
            # shellcheck disable=SC2016 # $PATH is for the user's rc file, not expanded here
            printf '    export PATH="%s:$PATH"\n' "$pa_dir" >&2
            ;;
    esac
    printf '%s\n' "  then open a new terminal (or run that line in this one)." >&2
}

# ---------------------------------------------------------------------------- summary

uninstall_advice() {
    case $g_method in
        uv) printf 'uv tool uninstall goaccel' ;;
        pipx) printf 'pipx uninstall goaccel' ;;
        *) printf 'rm -rf %s %s' "$(tildify "$g_data_dir")" "$(tildify "$g_bin_dir/goaccel")" ;;
    esac
}

summary() {
    if [ "$opt_quiet" = 1 ]; then
        return 0
    fi
    case $g_method in
        venv) su_where="$(tildify "$g_venv") (virtual environment)" ;;
        *) su_where="$g_method tool" ;;
    esac
    su_run=goaccel
    if ! bin_dir_on_path; then
        su_run=$(tildify "$g_command")
    fi
    cat <<EOF

goaccel $g_installed_version is installed: $(tildify "$g_command") -> $su_where

Next, measure Go module mirrors from your network and configure the fastest one:
    $su_run setup

To uninstall: run this installer again with --uninstall (\`sh install.sh --uninstall\`,
or \`... | sh -s -- --uninstall\`), or by hand: $(uninstall_advice)
Run \`goaccel undo\` before uninstalling to revert what \`goaccel setup\` changed.
EOF
}

# ---------------------------------------------------------------------------- uninstall

# Three lines from the installed goaccel's own Python (so its path rules apply): how many
# setups it recorded and has not undone, its config dir and its state dir. Empty when that
# cannot be told.
goaccel_facts() {
    rs_python=""
    if [ -x "$g_venv/bin/python" ]; then
        rs_python="$g_venv/bin/python"
    elif [ -f "$g_bin_dir/goaccel" ]; then
        rs_line=$(head -n 1 "$g_bin_dir/goaccel" 2>/dev/null) || rs_line=""
        case $rs_line in
            "#!/bin/sh"* | "#!/usr/bin/env"*) ;;
            "#!/"*) rs_python=${rs_line#\#!} ;;
        esac
    fi
    if [ -z "$rs_python" ] || [ ! -x "$rs_python" ]; then
        return 0
    fi
    "$rs_python" -c '
from goaccel import paths
try:
    from goaccel.configure.journal import Journal
except ImportError:  # goaccel before 0.1 kept it at the top level
    from goaccel.journal import Journal
try:
    print(len(Journal().load()))
except Exception:
    print("")
print(paths.config_dir())
print(paths.state_dir())
' </dev/null 2>/dev/null || true
}

uninstall() {
    g_method=$g_recorded_method
    if [ -z "$g_method" ] && { [ -L "$g_venv" ] || [ -d "$g_venv" ]; }; then
        g_method=venv
    fi
    if [ -z "$g_method" ]; then
        case $opt_method in
            uv | pipx) g_method=$opt_method ;;
            *)
                info "Nothing to uninstall: this installer has not installed goaccel here ($(tildify "$g_data_dir") has no record)."
                return 0
                ;;
        esac
    fi
    un_facts=$(goaccel_facts)
    un_setups=$(printf '%s\n' "$un_facts" | sed -n 1p)
    un_config=$(printf '%s\n' "$un_facts" | sed -n 2p)
    un_state=$(printf '%s\n' "$un_facts" | sed -n 3p)
    case $un_setups in
        '' | 0) ;;
        *)
            if ! confirm "goaccel has $un_setups setup(s) not undone; uninstall anyway and keep those settings?"; then
                die "goaccel has $un_setups recorded setup(s) not undone: run \`goaccel undo\` first (until it says there is nothing to undo) to revert your Go settings, or re-run with --yes to uninstall and keep them"
            fi
            ;;
    esac
    case $g_method in
        uv)
            if [ "$g_bin_dir_given" = 1 ]; then
                UV_TOOL_BIN_DIR=$g_bin_dir
                export UV_TOOL_BIN_DIR
            fi
            uv tool uninstall goaccel </dev/null >&2 || die "uv tool uninstall goaccel failed"
            ;;
        pipx)
            if [ "$g_bin_dir_given" = 1 ]; then
                PIPX_BIN_DIR=$g_bin_dir
                export PIPX_BIN_DIR
            fi
            pipx uninstall goaccel </dev/null >&2 || die "pipx uninstall goaccel failed"
            ;;
        venv)
            remove_our_link "$g_bin_dir/goaccel"
            rm -f "$g_venv" 2>/dev/null || rm -rf "$g_venv" || die "cannot remove $g_venv"
            for un_dir in "$g_data_dir"/venv-* "$g_data_dir"/.venv.new.*; do
                if [ -e "$un_dir" ] || [ -L "$un_dir" ]; then
                    rm -rf "$un_dir" || die "cannot remove $un_dir"
                fi
            done
            ;;
    esac
    rm -f "$g_record" "$g_log"
    rmdir "$g_data_dir" 2>/dev/null || true
    info "goaccel is uninstalled ($g_method)."
    for un_dir in "$un_config" "$un_state"; do
        if [ -n "$un_dir" ] && [ -d "$un_dir" ]; then
            info "Kept $(tildify "$un_dir") (goaccel's settings and undo history); delete it if you like."
        fi
    done
}

# ---------------------------------------------------------------------------- main

main() {
    g_died=0
    g_cleanup=""
    g_tmp_link=""
    g_python=""
    g_log=/dev/null
    opt_quiet=0
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    parse_args "$@"
    check_home
    set_paths
    if [ "$opt_uninstall" = 1 ]; then
        uninstall
        return 0
    fi
    choose_method
    if [ "$g_from_checkout" = 1 ]; then
        info "install.sh is in a goaccel checkout: installing goaccel from it ($(tildify "$opt_from")), not from the package index (--index for that)"
    fi
    case $g_method in
        venv) install_venv ;;
        uv) install_uv ;;
        pipx) install_pipx ;;
    esac
    write_record
    path_advice
    summary
}

main "$@"
