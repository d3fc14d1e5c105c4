"""The "Run options" box: system parameters from the Worker or the contract defaults, regions."""

from __future__ import annotations

import pytest

from coreclaw_pandas.forms import WorkerForm


def test_reply_envelope_schema_reads_system_from_the_caller(reference_schema):
    raw = reference_schema("apifox-api-scraper-response-example.json")
    system = {
        "cpus": 0.25,
        "memory": 2048,
        "execute_limit_time_seconds": 60,
        "max_total_charge": 1.5,
        "max_total_traffic": 0,
    }
    form = WorkerForm.from_schema(raw, system=system)
    assert form.system == {**system, "proxy_region": "US"}
    form.options.memory.value = 8192
    form.options.proxy_region.value = "DE"
    form.options.max_charge.value = 2.0
    form.options.version_text.value = " v1.2.3 "
    assert form.system["memory"] == 8192 and form.system["proxy_region"] == "DE"
    assert form.system["max_total_charge"] == 2 and isinstance(form.system["max_total_charge"], int)
    assert form.version == "v1.2.3"
    assert [v for _, v in form.options.memory.options] == [512, 1024, 2048, 4096, 8192, 16384]


def test_fallback_regions_cover_the_contract_list(shared_reference):
    from coreclaw_pandas.emulator.backend.regions import REGIONS
    from coreclaw_pandas.forms.run_options import FALLBACK_REGIONS

    path = shared_reference / "proxy-region-codes-v1.txt"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in the shared reference folder")
    contract = set(path.read_text(encoding="utf-8").split())
    assert contract <= set(FALLBACK_REGIONS)
    assert set(FALLBACK_REGIONS) == set(REGIONS)  # the emulator's independent ISO table
    assert len(FALLBACK_REGIONS) == len(set(FALLBACK_REGIONS))
    form = WorkerForm.from_schema({"properties": []})
    assert [code for _, code in form.options.proxy_region.options] == list(FALLBACK_REGIONS)
