from feeds.cli import cli

cli(prog_name="feeds")
