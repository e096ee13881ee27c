"""``python -m bench``: the edgebench command line."""

from bench.cli import main

if __name__ == "__main__":
    main(prog_name="edgebench")
