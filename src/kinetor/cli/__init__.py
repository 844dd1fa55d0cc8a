"""The ``kinetor`` command line (typer + rich).

Each module in this package that defines ``register(app)`` adds its commands; heavy
imports happen inside the command functions so ``kinetor --help`` stays fast.
"""
