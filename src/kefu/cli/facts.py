"""`kefu rebuild`: recompute the stored facts, atomically, under the settings given."""
from __future__ import annotations

import time

from kefu.cli.app import app, cli_settings, console, err_console, fail, state
from kefu.cli.options import ConfigOpt, SetOpt


@app.command("rebuild")
def rebuild_cmd(
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """按设置重新计算仓库中保存的事实表（全部或全不） / recompute the stored facts under these settings."""
    from kefu import facts
    from kefu.store import Warehouse, WarehouseError

    settings = cli_settings(config, sets)
    if not state.db.exists():
        fail(f"找不到仓库文件 {state.db} / warehouse not found")
    started = time.perf_counter()
    try:
        with Warehouse.open(state.db) as wh:
            wh.check_timezone(settings.timezone)
            with wh.transaction() as con:
                facts.rebuild(con, settings, lambda line: err_console.print(line, soft_wrap=True))
    except (WarehouseError, ValueError) as exc:
        fail(str(exc))
    shown = "，".join(f"{k}={v}" for k, v in facts.fact_settings(settings).items())
    console.print(f"事实表已按 {shown} 重建（{time.perf_counter() - started:.1f} 秒） / facts rebuilt", soft_wrap=True)
