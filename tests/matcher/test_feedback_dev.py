"""Development splits: the re-ranker's design is compared inside the learning half only."""

from matcher.feedback_dev import development_splits, format_development
from matcher.heldout import feedback_split, load_set


def test_development_splits_stay_inside_the_learning_half():
    gs = load_set("labelled-hard")
    (_, learn), (_, measured) = feedback_split(gs)
    runs = list(development_splits(learn, 3))
    assert len(runs) == 6
    for decided, scored in runs:
        assert decided and scored and not set(decided) & set(scored)
        assert set(decided) | set(scored) == set(learn)
        assert not (set(decided) | set(scored)) & set(measured)
    assert runs[0] == (runs[1][1], runs[1][0])  # both ways round
    assert runs == list(development_splits(learn, 3))  # fixed


def test_the_development_line_says_how_many_runs_lost():
    line = format_development({"set": "s", "learn_on": "tune", "needs": 4,
                               "gains": [0.01, -0.02, 0.0]})
    assert "mean -0.0033" in line and "worst -0.0200" in line and "1 lost" in line
