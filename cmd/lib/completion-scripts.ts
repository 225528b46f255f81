// The scripts `tapes completion <shell>` prints. Each asks
// `tapes __complete <word>...` (cmd/lib/complete.ts) on every Tab, so what
// they offer always matches the installed tapes and the archive at hand.
// (Template literals: \${ and \\ stand for the shells' ${ and \.)

const BASH = `# bash completion for tapes, from "tapes completion bash".
# Load it with: source <(tapes completion bash)
_tapes() {
    local cur=\${COMP_WORDS[COMP_CWORD]}
    local out line
    out=$(tapes __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    COMPREPLY=()
    case $out in
        :file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        :dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
    esac
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("\${line%%$'\\t'*}")
    done <<< "$out"
}
complete -F _tapes tapes
`;

const ZSH = `#compdef tapes
# zsh completion for tapes, from "tapes completion zsh".
# Load it with: source <(tapes completion zsh)   (after compinit)
# or save it as _tapes in a directory of $fpath.
_tapes() {
    local -a lines described
    local line value desc
    lines=("\${(@f)$(tapes __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    case \${lines[1]} in
        :file) _files; return ;;
        :dir) _files -/; return ;;
    esac
    for line in "\${lines[@]}"; do
        [[ -z $line ]] && continue
        value=\${line%%$'\\t'*}
        desc=
        [[ $line == *$'\\t'* ]] && desc=\${line#*$'\\t'}
        described+=("\${value//:/\\\\:}\${desc:+:$desc}")
    done
    (( \${#described} )) && _describe -t values tapes described
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
    _tapes "$@"
else
    compdef _tapes tapes
fi
`;

const FISH = `# fish completion for tapes, from "tapes completion fish".
# Load it with: tapes completion fish | source
# or save it as ~/.config/fish/completions/tapes.fish.
function __tapes_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (tapes __complete $words 2>/dev/null)
    switch "$out[1]"
        case :file
            __fish_complete_path (commandline -ct)
        case :dir
            __fish_complete_directories (commandline -ct)
        case '*'
            printf '%s\\n' $out
    end
end
complete -c tapes -f -a '(__tapes_complete)'
`;

export const COMPLETION_SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };
