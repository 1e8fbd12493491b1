from marblejar.pulse import explain, stats


def test_every_sentence_of_the_statistics_core_is_marked_for_translation():
    assert set(explain.SENTENCES) == set(stats.MESSAGES)
    for key, text in stats.MESSAGES.items():
        assert str(explain.SENTENCES[key]) == text, key


def test_a_sentence_reads_like_the_cores():
    e = stats.Explanation("ci", {"n": 5, "low": 3.1, "high": 5.2})
    assert explain.sentence(e) == e.text
    one = stats.Explanation("n", {"n": 1})
    assert explain.sentence(one) == "1 person answered."
