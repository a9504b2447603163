import {
  BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";
import { count, day } from "../format";

Chart.register(BarController, BarElement, CategoryScale, Legend, LineController, LineElement, LinearScale,
               PointElement, Tooltip);

interface DayFigures {
  day: string;
  revenue: number;
  revenueText: string;
  orders: number;
}

/** Revenue (bars) and orders (line) by day; the same figures as a table for screen readers. */
export function RevenueChart({ rows }: { rows: DayFigures[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      data: {
        labels: rows.map((r) => day(r.day)),
        datasets: [
          { type: "bar", label: "Revenue", data: rows.map((r) => r.revenue), yAxisID: "revenue",
            backgroundColor: "#4f7cac" },
          { type: "line", label: "Orders", data: rows.map((r) => r.orders), yAxisID: "orders",
            borderColor: "#c0392b", backgroundColor: "#c0392b" },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          revenue: { type: "linear", position: "left", beginAtZero: true },
          orders: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.destroy();
  }, [rows]);
  return (
    <figure className="chart">
      <figcaption>Revenue and orders by day</figcaption>
      <div className="chart-box">
        <canvas ref={canvas} role="img" aria-label="Revenue and orders by day; the figures are in the table below" />
      </div>
      <details>
        <summary>Figures by day</summary>
        <table>
          <thead><tr><th scope="col">Day</th><th scope="col">Revenue</th><th scope="col">Orders</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.day}><td>{day(r.day)}</td><td className="num">{r.revenueText}</td><td className="num">{count(r.orders)}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
