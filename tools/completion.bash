# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for raidvirt (installed as
# PREFIX/share/bash-completion/completions/raidvirt).
#
# Nothing here lists a command, option or section: they are read from the
# program's own help (`raidvirt --help`, `raidvirt CMD --help`: commands,
# options, the tables of `show` and the sections of `facts --section`), so
# the completion is in step with the program it completes. Dump, vmlinux and
# facts arguments complete file names, --debuginfo/--rules/--fixtures
# directories. tests/cli/completion.sh checks every command and option.

# _raidvirt_help PROG ARGS...: the help text, cached per program and command.
_raidvirt_help()
{
	local key="$1 $2"
	key=${key//[^A-Za-z0-9]/_}
	local var="_raidvirt_cache_$key"
	if [[ -z ${!var-} ]]; then
		printf -v "$var" '%s' "$("$@" --help 2>/dev/null)"
	fi
	printf '%s\n' "${!var}"
}

_raidvirt()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local prog=${words[0]}

	# The command: the first word after the program.
	if ((cword == 1)); then
		local cmds
		cmds=$(_raidvirt_help "$prog" | sed -n '/^commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')
		mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
		return
	fi
	local cmd=${words[1]}
	local help
	help=$(_raidvirt_help "$prog" "$cmd")

	case $cmd in
	help)
		((cword == 2)) && mapfile -t COMPREPLY < <(compgen -W \
			"$(_raidvirt_help "$prog" | sed -n '/^commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')" -- "$cur")
		return
		;;
	show)
		# The table comes first.
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W \
				"$(sed -n '/^tables:/,/^$/s/^  \([a-z]\+\) .*/\1/p' <<<"$help")" -- "$cur")
			return
		fi
		;;
	rules)
		if ((cword == 2)); then
			mapfile -t COMPREPLY < <(compgen -W \
				"$(sed -n 's/^\(usage:\|      \) raidvirt rules \([a-z]\+\).*/\2/p' <<<"$help")" -- "$cur")
			return
		fi
		;;
	esac

	case $prev in
	--section)
		mapfile -t COMPREPLY < <(compgen -W "$(sed -n 's/^sections: //p' <<<"$help")" -- "$cur")
		return
		;;
	--types)
		mapfile -t COMPREPLY < <(compgen -W \
			"$(sed -n 's/^  --types \([a-z|]*\) .*/\1/p' <<<"$help" | tr '|' ' ')" -- "$cur")
		return
		;;
	--fail-on)
		mapfile -t COMPREPLY < <(compgen -W "$(tr '\n' ' ' <<<"$help" |
			sed -n 's/.*--fail-on SEVERITY[^(]*(\([^;]*\);.*/\1/p' | tr ',' ' ')" -- "$cur")
		return
		;;
	--format)
		# "--format FMT  text (default), json, markdown (...) or html (...)"
		mapfile -t COMPREPLY < <(compgen -W "$(tr '\n' ' ' <<<"$help" |
			sed -n 's/.*--format FMT *\(.*\)/\1/p' | sed 's/ -[a-z-].*//; s/([^)]*)//g' |
			tr ',' ' ' | sed 's/ or / /g')" -- "$cur")
		return
		;;
	--debuginfo | --rules | --fixtures)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	--vmlinux | --facts)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--param | --dump)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		# Every option the command's help names (-j, --json, ...).
		local opts
		opts=$(grep -oE '(^|[ ,[])--?[a-z][a-z-]*' <<<"$help" | sed 's/^[ ,[]*//' | sort -u)
		mapfile -t COMPREPLY < <(compgen -W "$opts -h --help" -- "$cur")
		return
	fi
	# Anything else is a dump (or a DIR for rules lint/test/list).
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	compopt -o filenames 2>/dev/null
}
complete -F _raidvirt raidvirt
