"""The trusted checker: exact checks of every certificate kind and of whole documents.

Importing the package loads the dual-work model figures (certify.proofs.figures), which
``certify verify`` recomputes from a document's model block.
"""

from . import figures  # noqa: F401 - fills document.MODEL_FIGURES
