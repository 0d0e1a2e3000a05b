"""Markdown tables for the bench scripts: what they print is pasted into the README."""


def print_table(title, header, rows):
    """Print a markdown table under a ``###`` heading."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
