# compare_sets.sh: sourced by tools/same_output.sh and tools/same_matchers.sh. compare_sets
# runs the commands in the arrays OLD and NEW (quarry extract, with options of its own) on
# corpus/, the BBC set and PolNeAR dev and train (those in ../shared/data), in JSON Lines, the
# explain format, --only entities and --only quotes, and prints "same:" or "DIFFERENT:" with
# the first lines of the difference for each. Sets its caller's rc to 1 on a difference; uses
# the scratch folder $t.
compare_sets() {
    local sets="corpus" s fmt args n
    for s in ../shared/data/bbc ../shared/data/polnear/dev/text ../shared/data/polnear/train/text; do
        [ -d "$s" ] && sets="$sets $s"
    done
    for s in $sets; do
        for fmt in jsonl explain entities quotes; do
            case $fmt in
                entities|quotes) args="--only $fmt" ;;
                *) args="--format $fmt" ;;
            esac
            "${OLD[@]}" -q -j2 $args "$s" >"$t/old" 2>/dev/null
            "${NEW[@]}" -q -j2 $args "$s" >"$t/new" 2>/dev/null
            n=$(wc -l <"$t/old")
            if cmp -s "$t/old" "$t/new"; then
                echo "same:      $s ($fmt, $n lines)"
            else
                echo "DIFFERENT: $s ($fmt)"; diff "$t/old" "$t/new" | head -10; rc=1
            fi
        done
    done
}
