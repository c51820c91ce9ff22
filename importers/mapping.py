"""Declarative mapping files: how the columns of an export become a passport.

A mapping is a YAML file (``importers/mappings/NAME.yaml`` or any path), validated with pydantic
against the models below. Every error names the key and the line of the file. docs/importing.md
documents every key; the shipped mappings are examples of each.

A *field* (a value in the passport) is written as one of:

- ``COLUMN`` - a plain string is the name of a column (header) of the export;
- a number or boolean - a constant;
- ``{column: C, map: {...}, default: D}`` - a column, with optional translation of its values
  and a value for empty cells;
- ``{value: V}`` - a constant (needed for text constants, since a plain string is a column);
- ``{template: "Boom {BOOMSOORT} ({ELEMENTNR})"}`` - text made from several columns.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from importers.limits import ImportLimits
from importers.mapping_errors import describe, more_problems, refused
from importers.mapping_yaml import MappingError, line_of, load_yaml, read_mapping_text

MAPPINGS_DIR = Path(str(resources.files("importers") / "mappings"))
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def template_columns(template: str) -> list[str]:
    return [m.group(1).strip() for m in _PLACEHOLDER.finditer(template) if m.group(1)]


class FieldSpec(_Strict):
    """Where one value comes from: a column, a constant or a template."""

    column: str | None = Field(None, description="the column (header) to read")
    value: Any = Field(None, description="a constant")
    template: str | None = Field(None, description="text with {COLUMN} placeholders")
    default: Any = Field(None, description="used when the cell is empty")
    map: dict[str, Any] | None = Field(None, description="source value -> value (case-insensitive)")
    lang: str | None = Field(None, description="language tag of a text (nl, en)")
    unit: str | None = Field(None, description="unit of a dimension (m, cm, mm)")
    percent: bool = Field(False, description="the cell is a percentage (35 means 0.35)")
    required: bool = Field(False, description="an empty cell is a row error")
    pattern: str | None = Field(None, description="regular expression; the value becomes its first group")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        if isinstance(data, str):
            return {"column": data}
        if isinstance(data, (int, float, bool)):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _one_source(self):
        given = [k for k in ("column", "value", "template") if getattr(self, k) is not None]
        if len(given) > 1:
            raise refused(f"give only one of column, value or template (got {', '.join(given)})",
                          f"geef maar een van column, value of template (nu {', '.join(given)})")
        if not given and self.default is None:
            raise refused("give a column, a value or a template", "geef een column, een value of een template")
        if self.template is not None and not template_columns(self.template):
            raise refused("the template names no {COLUMN}; use value: for a constant text",
                          "de template noemt geen {KOLOM}; gebruik value: voor een vaste tekst")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise refused(f"pattern is not a valid regular expression: {exc}",
                              f"pattern is geen geldige reguliere expressie: {exc}") from None
        return self

    def columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            return template_columns(self.template)
        return []


class UnitSpec(_Strict):
    unit: Literal["KiloGM", "TON_Metric", "M3", "M2", "M", "NUM"] = Field(
        description="the QUDT unit the source unit is expressed in")
    factor: float = Field(1.0, gt=0, description="source value x factor = value in that unit")


class FormatSpec(_Strict):
    """How to read the file."""

    type: Literal["auto", "csv", "xlsx", "geojson"] = "auto"
    encoding: str = Field("auto", description="auto (UTF-8, else Windows-1252), utf-8, cp1252, ...")
    delimiter: str = Field("auto", description="auto, ';', ',', tab or '|'")
    decimal: Literal["auto", "comma", "point"] = "auto"
    sheet: str | int | None = Field(None, description="XLSX sheet name or 1-based number; default the first")
    header_row: int | Literal["auto"] = Field("auto", description="1-based row of the column names")
    fill_down: list[str] = Field(default_factory=list,
                                 description="columns whose empty cells repeat the value above")
    crs: str = Field("auto", description="coordinate system of the file's coordinates")

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, v: str) -> str:
        v = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}.get(v, v)
        if v != "auto" and len(v) != 1:
            raise refused("delimiter is auto or one character such as ';', ',', '|' or tab",
                          "delimiter is auto of een teken zoals ';', ',', '|' of tab")
        return v

    @field_validator("header_row")
    @classmethod
    def _header_row(cls, v):
        if isinstance(v, int) and v < 1:
            raise refused("header_row counts from 1", "header_row telt vanaf 1")
        return v


class KeySpec(_Strict):
    """Identity: the source's own ID, and the passport key made from it."""

    source_id: FieldSpec = Field(description="the column (or template) with the asset system's own ID")
    prefix: str = Field("", pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]{0,40})?$",
                        description="put before every passport key, e.g. 'or-'")
    passport_key: FieldSpec | None = Field(None, description="a column that already holds the passport key")


class PassportSpec(_Strict):
    title: FieldSpec | None = None
    title_en: FieldSpec | None = None
    phase: FieldSpec = Field(description="project phase (mpv:phase/...)")
    policy_angle: FieldSpec | None = None


class ObjectSpec(_Strict):
    kind: FieldSpec = Field(description="object kind: an mp: class (Bridge, Bench, ...) or a Dutch name")
    label: FieldSpec | None = None
    label_en: FieldSpec | None = None
    comment: FieldSpec | None = None
    construction_year: FieldSpec | None = None
    condition: FieldSpec | None = None
    planned_r_strategy: FieldSpec | None = None


class LocationSpec(_Strict):
    x: FieldSpec | None = Field(None, description="x / longitude column")
    y: FieldSpec | None = Field(None, description="y / latitude column")
    wkt: FieldSpec | None = Field(None, description="a column with a WKT point")
    feature_geometry: bool = Field(False, description="use the GeoJSON feature's geometry")
    crs: FieldSpec | None = Field(None, description="coordinate system (a constant or a column)")
    required: bool = Field(True, description="a row without coordinates is an error")

    @model_validator(mode="after")
    def _one_way(self):
        ways = [bool(self.x or self.y), self.wkt is not None, self.feature_geometry]
        if sum(ways) != 1:
            raise refused("give exactly one of: x and y, wkt, or feature_geometry: true",
                          "geef precies een van: x en y, wkt, of feature_geometry: true")
        if (self.x is None) != (self.y is None):
            raise refused("give both x and y", "geef zowel x als y")
        return self


class ReleaseSpec(_Strict):
    date: FieldSpec = Field(description="expected release date (or year)")
    quality: FieldSpec | None = None


class ValuationSpec(_Strict):
    amount: FieldSpec
    date: FieldSpec = Field(description="the valuation date (a year is read as 1 January)")
    method: FieldSpec | None = None
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    price_source: FieldSpec | None = None


class ComponentSpec(_Strict):
    key: FieldSpec | None = Field(None, description="column naming the component; default one per object")
    label: FieldSpec | None = None
    label_en: FieldSpec | None = None
    parent: FieldSpec | None = Field(None, description="column with the key of the enclosing component")
    planned_r_strategy: FieldSpec | None = None
    condition: FieldSpec | None = None
    connection_type: FieldSpec | None = None
    detachability_index: FieldSpec | None = None


class DimensionsSpec(_Strict):
    length: FieldSpec | None = None
    width: FieldSpec | None = None
    height: FieldSpec | None = None
    thickness: FieldSpec | None = None


class QuantitySpec(_Strict):
    material: FieldSpec
    value: FieldSpec | None = Field(None, description="the amount; may be left out when dimensions give a volume")
    unit: FieldSpec | None = None
    data_quality: FieldSpec = Field(default_factory=lambda: FieldSpec(value="measured"))
    origin: FieldSpec | None = None
    material_phase: FieldSpec | None = None
    recycled_content: FieldSpec | None = None
    derive_mass: bool = Field(False, description="store volume x density as an estimated mass")


class Mapping(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    title: str | None = None
    description: str | None = None
    source_kind: str | None = Field(None, pattern=NAME_PATTERN,
                                    description="marks the passports (dcterms:source); default the name")
    format: FormatSpec = Field(default_factory=FormatSpec)
    municipality_column: FieldSpec | None = Field(
        None, description="rows whose value is another CBS code are skipped")
    key: KeySpec
    passport: PassportSpec
    object: ObjectSpec
    location: LocationSpec | None = None
    release: ReleaseSpec | None = None
    valuation: ValuationSpec | None = None
    component: ComponentSpec = Field(default_factory=ComponentSpec)
    quantity: QuantitySpec
    dimensions: DimensionsSpec | None = None
    materials: dict[str, str] = Field(default_factory=dict,
                                      description="extra material names -> material concept")
    units: dict[str, UnitSpec] = Field(default_factory=dict, description="extra unit names")

    # where the mapping came from, for messages
    _origin: str = PrivateAttr("")
    _node: Any = PrivateAttr(None)

    def line_of(self, key: str) -> int | None:
        """The line of a dotted key (``quantity.material``) in the mapping file, when known."""
        return line_of(self._node, tuple(key.split("."))) if self._node is not None else None

    def error(self, message: str, key: str) -> MappingError:
        return MappingError(message, source=self._origin, line=self.line_of(key), key=key)

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def kind(self) -> str:
        return self.source_kind or self.name

    def fields(self):
        """(dotted key, FieldSpec) for every field of the mapping."""
        def walk(model: BaseModel, prefix: str):
            for name in type(model).model_fields:
                value = getattr(model, name)
                if isinstance(value, FieldSpec):
                    yield prefix + name, value
                elif isinstance(value, BaseModel):
                    yield from walk(value, prefix + name + ".")
        yield from walk(self, "")


# -- loading -------------------------------------------------------------------------------------

def available() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def resolve(name_or_path: str | Path) -> Path:
    """The file of a mapping given by name (``imbor-openbare-ruimte``) or by path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    if re.fullmatch(NAME_PATTERN, text):
        candidate = MAPPINGS_DIR / f"{text}.yaml"
        if candidate.exists():
            return candidate
    names = ", ".join(available())
    raise MappingError(f"no mapping {text!r}: give the name of a shipped mapping ({names}) or the path of a "
                       ".yaml file", message_nl=f"geen koppeling {text!r}: geef de naam van een meegeleverde "
                       f"koppeling ({names}) of het pad van een .yaml-bestand")


def load_mapping(name_or_path: str | Path, limits: ImportLimits | None = None) -> Mapping:
    limits = limits or ImportLimits.of()
    path = resolve(name_or_path)
    return parse_mapping(read_mapping_text(path, limits), str(path), limits)


def parse_mapping(text: str, source: str = "mapping", limits: ImportLimits | None = None) -> Mapping:
    limits = limits or ImportLimits.of()
    node, data = load_yaml(text, source, limits)
    if not isinstance(data, dict):
        raise MappingError("a mapping file is a YAML mapping with at least name, key, passport, object "
                           "and quantity", source=source, line=1,
                           message_nl="een koppelingsbestand is een YAML-mapping met ten minste name, key, "
                                      "passport, object en quantity")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(str(p) for p in error["loc"])
        (en, nl), (more_en, more_nl) = describe(error), more_problems(len(exc.errors()) - 1)
        raise MappingError(en + more_en, message_nl=nl + more_nl, source=source, line=line_of(node, loc),
                           key=".".join(loc)) from None
    mapping._origin = source
    mapping._node = node
    return mapping
