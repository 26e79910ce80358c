#!/usr/bin/env python3
"""Generates rules/lexicons/speech_verbs.txt, the speech-cue lexicon of rules/quotes.rules.

Sources (read from ../shared/data when present; the script does nothing when it is absent):
  - GenderGapTracker quote verb list (MIT, sfu-discourse-lab/GenderGapTracker @ 5501de31,
    nlp/english/rules/quote_verb_list.txt)
  - Guardian/AFP quote verb list (Apache-2.0, JournalismAI-2021-Quotes/quote-extraction @
    28f429b2, regex_pipeline/utils/quote_verb_list.txt)
  - a hand-written list of frequent news cues (below), checked against the cues of the
    PolNeAR train attributions (counts only; no PolNeAR text is copied).
Verbs of thought and perception (think, believe, know, see, hear ...) are left out: they are
attributions but rarely introduce quotes.

usage: tools/gen_cues.py [DATA_DIR]   (default ../shared/data relative to the repository)
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "rules", "lexicons", "speech_verbs.txt")

# not cues of quotes, though in the upstream lists
DROP = {
    "accept", "accepted", "accepting", "accepts", "acclaim", "acclaimed", "acclaiming",
    "acclaims", "believe", "believed", "believes", "believing", "know", "knew", "known",
    "knows", "think", "thinks", "thought", "thinking", "see", "saw", "seen", "sees", "hear",
    "heard", "hears", "feel", "feels", "felt", "want", "wants", "wanted", "hope", "hoped",
    "hopes", "expect", "expected", "expects", "read", "reads", "write", "writes", "add",
    "ask", "tell", "say", "note", "show", "shows",
    "showed", "shown", "find", "finds", "found", "agree", "hold", "holds", "held", "decide",
    "decided", "decides", "cite", "cites", "cited", "describe", "describes", "described",
    "refer", "refers", "referred", "recall", "recalled", "recalls", "remember", "remembered",
    "realize", "realized", "realise", "realised", "learn", "learned", "learnt", "estimate",
    "estimated", "estimates", "predict", "mean", "means", "meant", "suspect", "suspected",
    "fear", "feared", "fears", "worry", "worried", "worries", "guess", "guessed", "imagine",
    "imagined", "wonder", "wondered", "consider", "considered", "considers", "figure",
    "figured", "assume", "assumed", "conclude", "concluded", "concludes", "determine",
    "determined", "notice", "noticed", "indicate", "indicated", "indicates", "indicating",
    "detail", "detailed", "detailing", "list", "listed", "lists", "order", "ordered",
    "question", "questioned", "report", "reports", "reported", "reporting", "forecast",
    "blame", "blamed", "blames", "promise", "promised", "promises", "prove", "proved",
    "pledge", "pledged", "pledges", "praise", "praised", "praises", "charge", "charged",
    "charges", "deny", "denied", "denies", "joke", "accuse", "accused", "accuses",
    "present", "presenting", "presents", "release", "released", "releases", "releasing",
    "ensure", "ensured", "ensures", "ensuring", "finding", "convince", "convinced",
    "convinces", "convincing", "persist", "persisted", "persisting", "persists",
    "demonstrate", "demonstrated", "demonstrates", "demonstrating", "illustrate",
    "illustrated", "illustrates", "illustrating", "highlight", "highlighted", "highlighting",
    "highlights", "brand", "branded", "branding", "brands", "point", "points", "pointing",
    "pointed", "counter", "counters", "notify", "notified", "notifies", "notifying",
    "describing", "reckon", "reckoned", "reckoning", "reckons", "rave", "raves", "raving",
    "laugh", "laughs", "laughing", "continue", "continuing", "comment", "reply", "answer",
    "dispute", "disputes", "disputed", "disputing", "mention", "inform", "informs",
    "informing", "remind", "reminds", "reminding", "retell", "retells", "retelling",
}

# frequent cues of news quotes (past/present/participle); said/says/told carry most quotes
EXTRA = """
said says say saying told tells tell telling added adds adding continued continues
called calls calling
explained explains noted notes stated states wrote writes writing tweeted tweets tweeting
posted posts asked asks replied replies responded responds answered answers recalled
insisted insists warned warns argued argues claimed claims declared declares announced
announces acknowledged acknowledges admitted admits conceded concedes suggested suggests
contended contends countered counters maintained maintains observed observes remarked
remarks commented comments complained complains cautioned cautions emphasized emphasizes
stressed stresses predicted predicts quipped joked jokes boasted boasts lamented laments
urged urges vowed vows pledged promised promises reiterated reiterates confirmed confirms
announced reported reports cited testified testifies mused exclaimed shouted yelled
chanted whispered screamed cried sang proclaimed proclaims concluded summed
demanded demands concludes recalls alleged alleges allege confessed confesses confess
""".split("\n")

# cues of more than one word: each is one lexicon entry
PHRASES = ("according to", "pointed out", "points out")


def words(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.strip().lower()
            if w and not w.startswith("#"):
                out.append(w)
    return out


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "data")
    lex = os.path.join(data, "lexicons")
    ggt = os.path.join(lex, "ggt_quote_verb_list.txt")
    gafp = os.path.join(lex, "guardian_afp_quote_verb_list.txt")
    if not (os.path.exists(ggt) and os.path.exists(gafp)):
        print("gen_cues: %s not found, nothing done" % lex, file=sys.stderr)
        return 0
    cues = set()
    for w in words(ggt) + words(gafp):
        if w not in DROP and " " not in w:
            cues.add(w)
    for line in EXTRA:
        cues.update(line.split())
    cues.update(PHRASES)
    head = [
        "# Speech cues that introduce quotes, one a line (lower case; matched case-insensitively).",
        "# Generated by tools/gen_cues.py from:",
        "#   GenderGapTracker quote_verb_list.txt (sfu-discourse-lab/GenderGapTracker @ 5501de31),",
        "#     MIT License (upstream LICENSE; the notice: Permission is hereby granted, free of",
        "#     charge, ... THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND);",
        "#   Guardian/AFP quote_verb_list.txt (JournalismAI-2021-Quotes/quote-extraction @ 28f429b2),",
        "#     Apache License 2.0;",
        "#   plus hand-written frequent news cues. Verbs of thought/perception are left out.",
        "# %d entries." % len(cues),
    ]
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(head) + "\n")
        for w in sorted(cues):
            f.write(w + "\n")
    print("gen_cues: wrote %s (%d entries)" % (OUT, len(cues)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
