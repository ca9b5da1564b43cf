"""End-of-chapter quizzes (interim: delegates to lossutils.quiz; issue 15 replaces it)."""

from lossutils.quiz import show_quiz

__all__ = ["show_quiz"]
