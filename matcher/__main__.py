"""``python -m matcher match|evaluate|bench`` — the same commands as ``zhengqi``."""

from matcher.cli import app

if __name__ == "__main__":
    app(prog_name="python -m matcher")
