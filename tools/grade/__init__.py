"""The instructor's grader (not part of the student package): ``python -m tools.grade --help``.

sandbox.py runs a notebook in bubblewrap with cgroup limits; inside.py is what runs in there;
grader.py reads submissions and judges answers; key.py makes the per-term graded key; assign.py
writes the assignment notebooks; gradebook.py reads assignments and rosters and writes the CSVs
and feedback files. See instructor_guide.md.
"""
