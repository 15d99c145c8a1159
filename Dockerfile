# One image for every Airflow component (and the BigCommerce simulator of the demo).
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt constraints.txt pyproject.toml /opt/project/
COPY --chown=airflow:0 include /opt/project/include
RUN pip install --no-cache-dir -r /opt/project/requirements.txt -c /opt/project/constraints.txt \
 && pip install --no-cache-dir --no-deps /opt/project

COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include/stores.yaml /opt/airflow/include/stores.yaml
ENV BIGCOMMERCE_SYNC_STORES_FILE=/opt/airflow/include/stores.yaml
