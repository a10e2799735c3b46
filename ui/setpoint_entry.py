"""The operator setpoint's entry: a spin box that starts empty.

A pre-filled value is a copy of something (the strategy's last setpoint, a reading) that goes
stale while the panel stays open, and *Set…* would send it (issue 9). So the entry is blank
until the operator types or steps a value, and blank again after each point change and each
confirmed setpoint. Blank is the spin box's special value: its minimum, one step below the
real range, shown as a hint text (Qt's ``specialValueText``). Stepping from blank starts at
0 (or the range end nearest to it), never at the range's lower end (full charge).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class SetpointEntry(QDoubleSpinBox):
    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._low = 0.0
        self.setSpecialValueText(empty_text)  # shown while blank (at the minimum)
        self.valueChanged.connect(self._out_of_range_is_blank)

    def set_limits(self, low: float, high: float) -> None:
        """The valid range [low, high] (set the step first); leaves the entry blank."""
        self._low = low
        self.setRange(low - self.singleStep(), high)  # the value below the range: blank
        self.clear_value()

    def clear_value(self) -> None:
        self.setValue(self.minimum())

    def is_empty(self) -> bool:
        return self.value() < self._low

    def entered(self) -> float | None:
        """The value typed, None while blank."""
        return None if self.is_empty() else self.value()

    def _out_of_range_is_blank(self, value: float) -> None:
        # a value typed between the blank and the range's lower end is no setpoint either
        if self.minimum() < value < self._low:
            self.clear_value()

    def stepBy(self, steps: int) -> None:  # Qt's name for a step (arrow key, wheel)
        if self.is_empty():
            self.setValue(min(max(0.0, self._low), self.maximum()))
            return
        super().stepBy(steps)
        if self.is_empty():
            self.setValue(self._low)  # stepping down never goes back to blank
