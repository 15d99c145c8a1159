# Two images. The default (last) target is the product: every Airflow component with only the
# bigcommerce_sync package. `--target simulator` builds the demo's BigCommerce simulator alone.

FROM python:3.11-slim AS simulator
COPY simulator /opt/simulator
RUN pip install --no-cache-dir PyYAML==6.0.3 && pip install --no-cache-dir --no-deps /opt/simulator
USER nobody
ENTRYPOINT ["python", "-m", "bigcommerce_simulator"]

FROM apache/airflow:3.3.2-python3.11 AS airflow
COPY --chown=airflow:0 requirements.txt constraints.txt pyproject.toml /opt/project/
COPY --chown=airflow:0 include /opt/project/include
RUN pip install --no-cache-dir -r /opt/project/requirements.txt -c /opt/project/constraints.txt \
 && pip install --no-cache-dir --no-deps /opt/project

COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include/stores.yaml /opt/airflow/include/stores.yaml
ENV BIGCOMMERCE_SYNC_STORES_FILE=/opt/airflow/include/stores.yaml
