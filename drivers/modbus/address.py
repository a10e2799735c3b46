"""The Modbus part of a device template: where a point lives and how it is encoded.

    address: {table: holding, register: 100, type: float32, word_order: little, scale: 0.1}

``value = raw * scale + offset``; with ``bit`` the point is one bit (0/1) of an integer
register. Template-level ``defaults`` (e.g. ``word_order``) apply under every point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

Table = Literal["holding", "input", "coil", "discrete"]
DataType = Literal[
    "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64", "bool"
]

WRITABLE_TABLES = ("holding", "coil")
WRITABLE_KINDS = ("setpoint", "command")

# registers each type occupies
WIDTH: dict[str, int] = {
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "int64": 4,
    "uint64": 4,
    "float32": 2,
    "float64": 4,
    "bool": 1,
}


class ModbusAddress(BaseModel):
    # pydantic reserves the name ``register``; the YAML key stays ``register``
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    table: Table = "holding"
    start: int = Field(ge=0, le=65535, alias="register")
    type: DataType = "uint16"
    word_order: Literal["big", "little"] = "big"
    byte_order: Literal["big", "little"] = "big"
    scale: float = 1.0
    offset: float = 0.0
    bit: int | None = Field(default=None, ge=0, le=63)

    @property
    def width(self) -> int:
        return WIDTH[self.type]

    @property
    def is_bit_table(self) -> bool:
        return self.table in ("coil", "discrete")

    @property
    def is_writable(self) -> bool:
        return self.table in WRITABLE_TABLES and self.bit is None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ModbusAddress:
        if self.is_bit_table and self.type != "bool":
            raise ValueError(f"table {self.table!r} holds single bits: type must be 'bool'")
        if not self.is_bit_table and self.type == "bool":
            raise ValueError("type 'bool' is for coil/discrete tables; use 'bit' on a register")
        if self.bit is not None:
            if self.type.startswith("float"):
                raise ValueError("'bit' needs an integer type")
            if self.bit >= 16 * self.width:
                raise ValueError(f"bit {self.bit} is outside a {self.type}")
        if self.scale == 0:
            raise ValueError("scale must not be 0")
        if self.start + self.width > 65536:
            raise ValueError("the value runs past register 65535")
        kind = (info.context or {}).get("kind")
        if kind in WRITABLE_KINDS:
            if self.table not in WRITABLE_TABLES:
                raise ValueError(
                    f"a {kind} point must be in a writable table (holding or coil), "
                    f"not {self.table!r}"
                )
            if self.bit is not None:
                # a read-modify-write of a shared word would race the device's own updates
                raise ValueError(f"a {kind} point cannot be a single bit of a register")
        return self

    @classmethod
    def from_template(
        cls, address: Mapping[str, Any], defaults: Mapping[str, Any], kind: str | None = None
    ) -> ModbusAddress:
        """The point's address with the template defaults under it; ``kind`` (the point's
        kind) rejects setpoints and commands that could never be written."""
        return cls.model_validate({**defaults, **address}, context={"kind": kind})
