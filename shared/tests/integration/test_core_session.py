"""The services' sessions (`db.make_session_factory`) run SQL Core statements on the session's
connection directly: still in the session's transaction, across several transactions in a row."""
from __future__ import annotations

from bookstore_shared.db import CoreSession, make_engine, make_session_factory
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, select, text

METADATA = MetaData()
ITEM = Table("item", METADATA, Column("id", Integer, primary_key=True))


def test_core_statements_run_in_the_sessions_transaction_one_after_another(fresh_database):
    engine = make_engine(fresh_database("kit"))
    METADATA.create_all(engine)
    orm_dispatch: list[str] = []
    sessions = make_session_factory(engine)
    event.listen(sessions, "do_orm_execute", lambda state: orm_dispatch.append(str(state)))
    try:
        with sessions() as session:
            assert isinstance(session, CoreSession)
            session.execute(insert(ITEM), {"id": 1})
            session.rollback()  # undoes it: the statement ran in the session's transaction
            session.execute(insert(ITEM), [{"id": 2}, {"id": 3}])
            session.commit()
            # the next transaction takes a connection again (the first went back to the pool)
            session.execute(insert(ITEM), {"id": 4})
            inside = session.execute(select(ITEM.c.id).order_by(ITEM.c.id)).scalars().all()
            session.commit()
            assert session.execute(text("SELECT COUNT(*) FROM item")).scalar() == 3
        with engine.connect() as conn:
            assert conn.execute(select(ITEM.c.id).order_by(ITEM.c.id)).scalars().all() == [2, 3, 4]
        assert inside == [2, 3, 4]
        assert orm_dispatch == []  # never through the ORM's execution path
    finally:
        engine.dispose()
