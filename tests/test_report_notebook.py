"""The report notebook through papermill, with injected parameters, as an analyst
would run it (no results folder: computed live from the config)."""

import papermill as pm

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "reports" / "customer_report.ipynb"


def outputs_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(str(data.get("text/html", "")) + str(data.get("text/plain", "")) + str(output.get("text", "")))
    return "\n".join(parts)


def test_injected_period_and_config_drive_the_report(tmp_path):
    executed = pm.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "out.ipynb"),
        parameters={"config": str(ROOT / "data" / "cdnow" / "custlab.toml"), "period": "1997-12"},
        kernel_name="python3",
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        execution_timeout=600,
    )
    text = outputs_text(executed)
    assert "1997-01-01 to 1997-12-31" in text  # the injected period, not the default 1998-06
    assert "cost of goods is assumed at 75% of revenue" in text  # CDNOW has no cost column
    assert "No service data" in text and "No receivables data" in text
    assert "image/png" in str(executed.cells)  # the waterfall chart rendered
