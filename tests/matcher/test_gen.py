from matcher.gen import generate


def test_generator_is_seeded_and_realistic():
    a = generate(50, kind="offer", seed=7)
    assert a == generate(50, kind="offer", seed=7)
    assert a != generate(50, kind="offer", seed=8)
    assert len({p.id for p in a}) == 50
    assert all(40 <= len(p.text) <= 400 and p.category for p in a)
