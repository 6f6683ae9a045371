"""The one module that imports the Qt binding (PySide6). Everything in ui/ takes Qt names from here.

Threads: import-only; nothing here runs.
QtMultimedia is optional: without PySide6-Addons or libpulse0 the import fails and
`QSoundEffect` and `QMediaDevices` are None (the app then runs silent and the settings list
no Qt cameras).
"""
from __future__ import annotations

from PySide6.QtCore import (QCoreApplication, QElapsedTimer, QEvent, QLibraryInfo, QLocale, QMarginsF, QMetaObject,
                            QObject, QPointF, QProcess, QRect, QRectF, QRegularExpression, QRunnable, QSize, QThread,
                            QThreadPool, QTimer, QTranslator,
                            QUrl, Qt, Signal, Slot, QT_TRANSLATE_NOOP)
from PySide6.QtGui import (QAccessible, QAccessibleEvent, QAction, QColor, QFont, QFontDatabase, QFontMetrics,
                           QGuiApplication, QIcon, QImage,
                           QKeyEvent, QKeySequence, QPageLayout, QPageSize, QPainter, QPdfWriter, QRegularExpressionValidator,
                           QPalette, QPen, QPixmap, QPolygonF, QShortcut, QTextDocument, QWindow)
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame, QGridLayout,
                               QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLayout, QLineEdit, QListWidget, QListWidgetItem, QMainWindow,
                               QMenu, QMessageBox,
                               QBoxLayout, QPushButton, QSizePolicy, QStackedWidget, QStatusBar, QStyle, QTableWidget,
                               QTableWidgetItem, QTextEdit, QToolButton, QVBoxLayout, QWidget)

try:  # QtMultimedia: PySide6-Addons + libpulse0
    from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
except ImportError:  # pragma: no cover - depends on the machine
    QMediaDevices = QSoundEffect = None

try:  # QtPrintSupport: the counter's printed summary (without it the summary is saved as PDF only)
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
except ImportError:  # pragma: no cover - depends on the machine
    QPrintDialog = QPrinter = QPrinterInfo = None

try:  # QtPdf (PySide6-Addons): reading a PDF back, for the counter summary's picture in the README
    from PySide6.QtPdf import QPdfDocument
except ImportError:  # pragma: no cover - depends on the machine
    QPdfDocument = None

try:  # QtTextToSpeech: PySide6-Addons (voice guidance; without it the app runs silent)
    from PySide6.QtTextToSpeech import QTextToSpeech
except ImportError:  # pragma: no cover - depends on the machine
    QTextToSpeech = None

__all__ = [n for n in dir() if n.startswith("Q") or n in ("Qt", "Signal", "Slot")]
