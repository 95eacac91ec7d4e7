"""Derivatives as formulas: a symbolic interpretation of the engine's primitives.

expr.py      canonical expressions (the values of this interpretation)
kernels.py   each primitive's formula kernel, declared on the primitive
derive.py    derivatives of formulas by the engine's own rules
build.py     a program as a formula
layout.py, printer.py   formulas as diffcli text or LaTeX
command.py   grad/diff/hessian/jacobian answered with formulas, and the REPL's :diff
"""
