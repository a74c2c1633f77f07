"""培训考试: question banks, papers drawn from them, graded attempts and item analysis."""
from __future__ import annotations

from kefu.exam.bank import BankError, BankImport, import_bank, load_bank, save_questions, set_key
from kefu.exam.grading import Attempt, grade
from kefu.exam.model import AnswerError, Question
from kefu.exam.paper import Paper, PaperError, make_paper, read_paper
from kefu.exam.results import ResultError, attempts, grade_paper, item_analysis, regrade, save_attempt

__all__ = ["AnswerError", "Attempt", "BankError", "BankImport", "Paper", "PaperError", "Question", "ResultError",
           "attempts", "grade", "grade_paper", "import_bank", "item_analysis", "load_bank", "make_paper",
           "read_paper", "regrade", "save_attempt", "save_questions", "set_key"]
