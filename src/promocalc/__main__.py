"""``python -m promocalc`` runs the command line."""

from .cli import main

main()
